-- Watch-list screening: parties matched against the loaded watch lists, with a score and reason.

CREATE SEQUENCE screening_run_seq START 1;
CREATE TABLE screening_run (
    run_id BIGINT PRIMARY KEY,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL,
    run_by VARCHAR NOT NULL,
    lists VARCHAR[] NOT NULL,                  -- list names screened against
    threshold DOUBLE NOT NULL,
    parties BIGINT NOT NULL,
    entries BIGINT NOT NULL,
    matches BIGINT NOT NULL,
    settings JSON NOT NULL
);

CREATE TABLE screening_match (
    run_id BIGINT NOT NULL,
    party_id VARCHAR NOT NULL,
    party_version INTEGER NOT NULL,
    party_name VARCHAR NOT NULL,
    entry_id VARCHAR NOT NULL,
    entry_version INTEGER NOT NULL,
    list_name VARCHAR NOT NULL,
    entry_name VARCHAR NOT NULL,
    matched_name VARCHAR NOT NULL,             -- the entry's name or alias that matched
    match_kind VARCHAR NOT NULL,               -- 'exact' | 'alias' | 'fuzzy' | 'fuzzy alias'
    score DOUBLE NOT NULL,                     -- 0..100
    reason VARCHAR NOT NULL
);
