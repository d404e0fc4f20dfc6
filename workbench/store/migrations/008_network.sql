-- Link analysis: resolved entities, analysts' decisions, the entity graph and risk snapshots.

-- Entity resolution runs: what was compared and what came out.
CREATE SEQUENCE net_resolution_run_seq START 1;
CREATE TABLE net_resolution_run (
    run_id BIGINT PRIMARY KEY,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL,
    run_by VARCHAR NOT NULL,
    params JSON NOT NULL,                      -- threshold, block cap, method
    parties BIGINT NOT NULL,                   -- party records compared
    candidate_pairs BIGINT NOT NULL,           -- pairs the blocking proposed
    matched_pairs BIGINT NOT NULL,             -- pairs accepted (score or decision)
    entities BIGINT NOT NULL,                  -- resolved entities (singletons included)
    last_load_id BIGINT                        -- the last load the run saw
);

-- Scored candidate pairs of the latest run (the review queue reads these).
CREATE TABLE net_pair (
    run_id BIGINT NOT NULL,
    left_id VARCHAR NOT NULL,                  -- party_id, left_id < right_id
    right_id VARCHAR NOT NULL,
    blocked_by VARCHAR NOT NULL,               -- which keys proposed the pair, comma-separated
    name_score DOUBLE,
    address_score DOUBLE,
    same_phone BOOLEAN,
    same_email BOOLEAN,
    tax_id_score DOUBLE,
    probability DOUBLE NOT NULL,               -- the model's match probability
    decision VARCHAR,                          -- analyst's verdict in force: 'same' | 'not_same'
    matched BOOLEAN NOT NULL,                  -- in one entity after clustering
    PRIMARY KEY (left_id, right_id)
);

-- Analysts' verdicts on pairs: appended, never changed; the latest per pair is in force.
CREATE SEQUENCE net_decision_seq START 1;
CREATE TABLE net_decision (
    decision_id BIGINT PRIMARY KEY,
    left_id VARCHAR NOT NULL,
    right_id VARCHAR NOT NULL,
    verdict VARCHAR NOT NULL,                  -- 'same' | 'not_same' | 'withdrawn'
    decided_by VARCHAR NOT NULL,
    decided_at TIMESTAMP NOT NULL,
    reason VARCHAR NOT NULL
);

-- The current resolution: each party record's entity (ids kept stable across runs).
CREATE TABLE net_entity_member (
    party_id VARCHAR PRIMARY KEY,
    entity_id VARCHAR NOT NULL,
    run_id BIGINT NOT NULL
);
-- Every entity id ever handed out, so a retired id is never reused for another entity.
CREATE TABLE net_entity_id (
    entity_id VARCHAR PRIMARY KEY,
    first_run_id BIGINT NOT NULL
);

-- The entity graph. Node ids are typed: 'party:<entity id>', 'address:<key>', 'phone:<key>', ...
CREATE SEQUENCE net_build_seq START 1;
CREATE TABLE net_build (
    build_id BIGINT PRIMARY KEY,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL,
    built_by VARCHAR NOT NULL,
    mode VARCHAR NOT NULL,                     -- 'full' | 'incremental'
    after_load_id BIGINT NOT NULL,             -- evidence from loads after this one was read
    last_load_id BIGINT NOT NULL,              -- the last load the graph now covers
    resolution_run_id BIGINT,                  -- the entity resolution the party nodes follow
    nodes BIGINT NOT NULL,
    edges BIGINT NOT NULL,
    timings JSON NOT NULL
);

CREATE TABLE net_node (
    node_id VARCHAR NOT NULL,
    node_type VARCHAR NOT NULL,                -- party, person, address, phone, email, bank_account,
                                               -- identifier, vessel, container, bill_of_lading,
                                               -- intel_report, name, listing
    label VARCHAR NOT NULL,
    first_seen TIMESTAMP,
    last_seen TIMESTAMP,
    degree BIGINT NOT NULL DEFAULT 0,          -- distinct neighbours but containers and bills of lading
                                               -- (hubs are expanded on request)
    attrs JSON
);
-- A unique index, not a primary key: a full build drops and re-makes it around the bulk insert.
CREATE UNIQUE INDEX net_node_key ON net_node (node_id);

-- No key or index on edges: a build writes them in bulk, ordered so that the edges to containers and
-- bills of lading (most of them) sit together after the others; an ego network of the link types
-- then reads only the row groups of the others (DuckDB skips row groups by their min/max).
CREATE TABLE net_edge (
    src VARCHAR NOT NULL,
    dst VARCHAR NOT NULL,
    edge_type VARCHAR NOT NULL,                -- has_address, has_phone, director_of, supplied, ...
    consignment BOOLEAN NOT NULL,              -- to a per-consignment node (container, bill of lading)
    first_seen TIMESTAMP,                      -- when the link first became known
    last_seen TIMESTAMP,
    weight BIGINT NOT NULL,                    -- evidence rows (declarations, party versions, ...)
    sources VARCHAR[] NOT NULL,                -- provenance: the store tables the evidence came from
    first_load_id BIGINT,
    last_load_id BIGINT
);

-- Risk propagated from known offenders, point in time: one snapshot per as-of date.
CREATE TABLE net_risk (
    as_of TIMESTAMP NOT NULL,                  -- offences and links known strictly before this moment
    node_id VARCHAR NOT NULL,
    score DOUBLE NOT NULL,                     -- personalised PageRank x number of party nodes (1 = average)
    seed BOOLEAN NOT NULL,                     -- a known offender itself at as_of
    computed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (as_of, node_id)
);
