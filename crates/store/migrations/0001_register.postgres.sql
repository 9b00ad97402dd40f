-- PostgreSQL's part of 0001: the change sequence and the append-only guard
-- on the audit trail.
CREATE SEQUENCE change_seq;

CREATE FUNCTION audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- Bulk loads (COPY) leave change_seq out and let the sequence stamp each row.
ALTER TABLE org_unit ALTER COLUMN change_seq SET DEFAULT nextval('change_seq');
ALTER TABLE household ALTER COLUMN change_seq SET DEFAULT nextval('change_seq');
ALTER TABLE person ALTER COLUMN change_seq SET DEFAULT nextval('change_seq');
ALTER TABLE couple ALTER COLUMN change_seq SET DEFAULT nextval('change_seq');
ALTER TABLE birth_registration ALTER COLUMN change_seq SET DEFAULT nextval('change_seq');
ALTER TABLE app_user ALTER COLUMN change_seq SET DEFAULT nextval('change_seq');
