-- Follow-up service (随访): zones and their responsible workers, each
-- woman's one responsible worker, the schedule rules (data, with the
-- defaults below), contraceptive procedures (they start a schedule),
-- visits, the due contacts each visit covered, and the needs raised.
-- Portable DDL; the "C" collation of the code columns is in the
-- PostgreSQL part.

-- A zone (片区) of a village and the follow-up worker responsible for it.
CREATE TABLE zone (
    id           TEXT PRIMARY KEY,
    village_code TEXT NOT NULL REFERENCES org_unit (code),
    name         TEXT NOT NULL,
    worker_id    TEXT REFERENCES app_user (id),
    version      BIGINT NOT NULL DEFAULT 1,
    change_seq   BIGINT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (village_code, name)
);
CREATE INDEX zone_worker ON zone (worker_id);

-- 谁随访谁管理: each woman followed up has exactly one zone and one
-- responsible worker.
CREATE TABLE follow_up_assignment (
    person_id    TEXT PRIMARY KEY REFERENCES person (id),
    village_code TEXT NOT NULL REFERENCES org_unit (code),
    zone_id      TEXT NOT NULL REFERENCES zone (id),
    worker_id    TEXT NOT NULL REFERENCES app_user (id),
    version      BIGINT NOT NULL DEFAULT 1,
    change_seq   BIGINT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX follow_up_assignment_worker ON follow_up_assignment (worker_id);
CREATE INDEX follow_up_assignment_zone ON follow_up_assignment (zone_id);
CREATE INDEX follow_up_assignment_village ON follow_up_assignment (village_code);

-- Schedule rules. `kind` is routine or pregnant (one contact per calendar
-- month; from_day/to_day NULL) or postpartum / procedure (a window of days
-- after the birth or the procedure). `modes` lists the visit modes that
-- satisfy the contact (home, phone, clinic). A reminder is listed but is
-- not a contact the worker makes herself.
CREATE TABLE schedule_rule (
    code       TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    label_zh   TEXT NOT NULL,
    label_en   TEXT NOT NULL,
    from_day   BIGINT,
    to_day     BIGINT,
    modes      TEXT NOT NULL,
    reminder   BIGINT NOT NULL DEFAULT 0,
    active     BIGINT NOT NULL DEFAULT 1,
    sort       BIGINT NOT NULL,
    version    BIGINT NOT NULL DEFAULT 1,
    change_seq BIGINT NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);
INSERT INTO schedule_rule (code, kind, label_zh, label_en, from_day, to_day, modes, reminder, sort, updated_at) VALUES
    ('routine', 'routine', '每月常规随访', 'Monthly routine contact', NULL, NULL, 'home,phone,clinic', 0, 10, '2026-01-01T00:00:00Z'),
    ('pregnant', 'pregnant', '孕期每月随访', 'Monthly contact in pregnancy', NULL, NULL, 'home,phone,clinic', 0, 20, '2026-01-01T00:00:00Z'),
    ('postpartum_d3', 'postpartum', '产后 3–7 天入户访视', 'Postpartum home visit, days 3–7', 3, 7, 'home', 0, 30, '2026-01-01T00:00:00Z'),
    ('postpartum_d14', 'postpartum', '产后第 14 天入户访视', 'Postpartum home visit, day 14', 14, 16, 'home', 0, 31, '2026-01-01T00:00:00Z'),
    ('postpartum_d28', 'postpartum', '产后第 28 天入户访视', 'Postpartum home visit, day 28', 28, 30, 'home', 0, 32, '2026-01-01T00:00:00Z'),
    ('postpartum_d42', 'postpartum', '提醒产后 42 天健康检查', 'Reminder: the 42-day postpartum check', 42, 49, 'home,phone,clinic', 1, 33, '2026-01-01T00:00:00Z'),
    ('procedure_d7', 'procedure', '术后第 7 天随访', 'Follow-up 7 days after the procedure', 7, 10, 'home,phone,clinic', 0, 40, '2026-01-01T00:00:00Z'),
    ('procedure_m1', 'procedure', '术后 1 个月随访', 'Follow-up 1 month after the procedure', 30, 37, 'home,phone,clinic', 0, 41, '2026-01-01T00:00:00Z'),
    ('procedure_m3', 'procedure', '术后 3 个月随访', 'Follow-up 3 months after the procedure', 90, 104, 'home,phone,clinic', 0, 42, '2026-01-01T00:00:00Z');

-- Visit topics (宣传服务内容), configurable.
CREATE TABLE visit_topic (
    code     TEXT PRIMARY KEY,
    label_zh TEXT NOT NULL,
    label_en TEXT NOT NULL,
    active   BIGINT NOT NULL DEFAULT 1,
    sort     BIGINT NOT NULL
);
INSERT INTO visit_topic (code, label_zh, label_en, sort) VALUES
    ('policy_law', '政策法规', 'Policy and law', 10),
    ('reproductive_health', '生殖健康', 'Reproductive health', 20),
    ('benefits', '奖励优惠政策', 'Benefits and incentives', 30),
    ('child_rearing', '科学育儿', 'Child rearing', 40);

-- A contraceptive procedure (节育手术); it starts the procedure schedule.
CREATE TABLE contraceptive_procedure (
    id           TEXT PRIMARY KEY,
    person_id    TEXT NOT NULL REFERENCES person (id),
    village_code TEXT NOT NULL REFERENCES org_unit (code),
    kind         TEXT NOT NULL,
    done_on      TEXT NOT NULL,
    place        TEXT NOT NULL,
    version      BIGINT NOT NULL DEFAULT 1,
    change_seq   BIGINT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX contraceptive_procedure_person ON contraceptive_procedure (person_id, done_on);
CREATE INDEX contraceptive_procedure_village ON contraceptive_procedure (village_code, done_on);

CREATE TABLE visit (
    id               TEXT PRIMARY KEY,
    person_id        TEXT NOT NULL REFERENCES person (id),
    village_code     TEXT NOT NULL REFERENCES org_unit (code),
    zone_id          TEXT REFERENCES zone (id),
    worker_id        TEXT,
    worker_name      TEXT NOT NULL,
    visited_on       TEXT NOT NULL,
    mode             TEXT NOT NULL,
    topics           TEXT NOT NULL DEFAULT '',
    findings         TEXT,
    next_appointment TEXT,
    version          BIGINT NOT NULL DEFAULT 1,
    change_seq       BIGINT NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX visit_person ON visit (person_id, visited_on);
-- Covering for coverage: the women visited in a village and period, by mode.
CREATE INDEX visit_village ON visit (village_code, visited_on, person_id, mode);
CREATE INDEX visit_worker ON visit (worker_id, visited_on);
CREATE INDEX visit_change ON visit (change_seq);

-- Which due contacts a visit covered: `contact_key` is the rule code and
-- what started it (`monthly:2026-11`, `postpartum_d3:<birth id>`,
-- `procedure_m1:<procedure id>`), `window_to` its last day.
CREATE TABLE visit_contact (
    visit_id     TEXT NOT NULL REFERENCES visit (id),
    person_id    TEXT NOT NULL REFERENCES person (id),
    contact_key  TEXT NOT NULL,
    rule_code    TEXT NOT NULL,
    window_from  TEXT NOT NULL,
    window_to    TEXT NOT NULL,
    PRIMARY KEY (visit_id, contact_key)
);
CREATE UNIQUE INDEX visit_contact_once ON visit_contact (person_id, contact_key);

-- A need raised at a visit: open on the worker's list until closed or
-- handed to the service window.
CREATE TABLE visit_need (
    id           TEXT PRIMARY KEY,
    visit_id     TEXT NOT NULL REFERENCES visit (id),
    person_id    TEXT NOT NULL REFERENCES person (id),
    village_code TEXT NOT NULL REFERENCES org_unit (code),
    category     TEXT NOT NULL,
    text         TEXT NOT NULL,
    status       TEXT NOT NULL,
    for_window   BIGINT NOT NULL DEFAULT 0,
    version      BIGINT NOT NULL DEFAULT 1,
    change_seq   BIGINT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX visit_need_person ON visit_need (person_id);
CREATE INDEX visit_need_village ON visit_need (village_code, status);
