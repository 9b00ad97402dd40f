-- The auditor's page filters the trail by user and by action, newest first.
CREATE INDEX audit_log_username ON audit_log (username, at);
CREATE INDEX audit_log_action ON audit_log (action, at);
