-- Risk profiles and target lists: every version kept, its spec fixed once approved; status
-- changes are events (who, when, why), mirrored in the hash-chained audit log.

CREATE TABLE profile_version (
    profile_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    status VARCHAR NOT NULL,                   -- 'draft' | 'submitted' | 'approved' | 'active' | 'retired'
    title VARCHAR NOT NULL,
    risk_id VARCHAR NOT NULL,                  -- the register risk it treats
    lane VARCHAR NOT NULL,
    selection_pct DOUBLE NOT NULL,
    valid_from DATE,
    valid_to DATE,
    review_on DATE,
    spec JSON NOT NULL,                        -- the profile as written (no version, no lifecycle facts)
    spec_sha256 VARCHAR NOT NULL,
    author VARCHAR NOT NULL,                   -- who created this version
    editors VARCHAR[] NOT NULL,                -- everyone who saved this version's spec (author included)
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    submitted_by VARCHAR,
    submitted_at TIMESTAMP,
    approved_by VARCHAR,
    approved_at TIMESTAMP,
    activated_by VARCHAR,
    activated_at TIMESTAMP,
    retired_by VARCHAR,
    retired_at TIMESTAMP,
    PRIMARY KEY (profile_id, version)
);

CREATE TABLE profile_event (
    profile_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    event_at TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL,
    action VARCHAR NOT NULL,                   -- 'create' | 'save' | 'submit' | 'reject' | 'approve' | 'activate' | 'retire'
    from_status VARCHAR,
    to_status VARCHAR NOT NULL,
    reason VARCHAR,
    spec_sha256 VARCHAR NOT NULL
);

-- Target lists: consignments, traders, containers, bills of lading (and code lists profiles use
-- with `in_list`), under the same lifecycle as profiles.
CREATE TABLE target_list_version (
    list_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    status VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,                     -- 'consignment' | 'trader' | 'container' | 'bill_of_lading' | 'code'
    title VARCHAR NOT NULL,
    operation VARCHAR,                         -- the operation or case it serves
    risk_id VARCHAR,
    valid_from DATE,
    valid_to DATE,
    review_on DATE,
    marking VARCHAR NOT NULL,
    content_sha256 VARCHAR NOT NULL,           -- over the header and every entry
    author VARCHAR NOT NULL,
    editors VARCHAR[] NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    submitted_by VARCHAR,
    submitted_at TIMESTAMP,
    approved_by VARCHAR,
    approved_at TIMESTAMP,
    activated_by VARCHAR,
    activated_at TIMESTAMP,
    retired_by VARCHAR,
    retired_at TIMESTAMP,
    PRIMARY KEY (list_id, version)
);

CREATE TABLE target_list_entry (
    list_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    value VARCHAR NOT NULL,                    -- declaration id, party id, container number, bill of lading, code
    reason VARCHAR NOT NULL,
    valid_from DATE,
    valid_to DATE,
    PRIMARY KEY (list_id, version, value)
);

CREATE TABLE target_list_event (
    list_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    event_at TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    from_status VARCHAR,
    to_status VARCHAR NOT NULL,
    reason VARCHAR,
    content_sha256 VARCHAR NOT NULL
);

-- The salt of the keyed sampling of profiles that select less than 100 %: random per store, so
-- a trader cannot tell which declarations a 10 % profile keeps; exported with bundles so the
-- targeting service keeps the same ones.
INSERT INTO store_meta
SELECT 'selection_salt', replace(gen_random_uuid()::VARCHAR, '-', '')
WHERE NOT EXISTS (SELECT 1 FROM store_meta WHERE key = 'selection_salt');
