-- Export bundles and their delivery outbox. A bundle is kept whole (its packed form) once made,
-- so a delivery can be retried after a restart with the very bytes that were signed; each
-- (bundle, destination) pair is one delivery, delivered once.

CREATE TABLE export_bundle (
    bundle_id VARCHAR PRIMARY KEY,             -- wb-<reference date>-<content digest>
    created_at TIMESTAMP NOT NULL,
    created_by VARCHAR NOT NULL,
    reference_date DATE NOT NULL,
    formats VARCHAR[] NOT NULL,                -- adapters included: json, csv, rules, ...
    profiles VARCHAR[] NOT NULL,               -- 'ID@version' of every profile it carries
    lists VARCHAR[] NOT NULL,                  -- 'ID@version' of every target list it carries
    key_id VARCHAR NOT NULL,                   -- the signing key (receivers hold its public half)
    manifest_sha256 VARCHAR NOT NULL,
    audit_seq BIGINT NOT NULL,                 -- audit chain head the manifest names
    packed BLOB NOT NULL                       -- the packed bundle, exactly as signed
);

CREATE SEQUENCE export_delivery_seq START 1;
CREATE TABLE export_delivery (
    delivery_id BIGINT PRIMARY KEY,
    bundle_id VARCHAR NOT NULL,
    destination VARCHAR NOT NULL,              -- a folder, or an http(s) URL
    kind VARCHAR NOT NULL,                     -- 'folder' | 'http'
    status VARCHAR NOT NULL,                   -- 'pending' | 'delivered' | 'failed'
    attempts INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by VARCHAR NOT NULL,
    next_attempt_at TIMESTAMP,                 -- when a pending delivery may be tried again
    last_attempt_at TIMESTAMP,
    delivered_at TIMESTAMP,
    last_error VARCHAR,
    receipt VARCHAR                            -- what the receiver answered, or where the folder went
);
