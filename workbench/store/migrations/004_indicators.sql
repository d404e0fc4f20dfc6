-- Indicator builds: every indicator of the catalogue materialised per declaration item.
-- A build reads the store as it is and computes each item's indicators point in time (from facts
-- known before the declaration's lodgement); later builds never change earlier ones.

CREATE SEQUENCE indicator_build_seq START 1;
CREATE TABLE indicator_build (
    build_id BIGINT PRIMARY KEY,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL,
    built_by VARCHAR NOT NULL,
    reason VARCHAR,
    indicators VARCHAR[] NOT NULL,
    params JSON NOT NULL,                      -- indicator id -> parameter values used
    scope JSON NOT NULL,                       -- lodgement period whose items were stored
    data_state JSON NOT NULL,                  -- last load and row counts the build saw
    items BIGINT NOT NULL,
    value_rows BIGINT NOT NULL,
    timings JSON NOT NULL                      -- seconds per input and per indicator
);

-- What each indicator was in a build, so reasons stay reproducible after the catalogue changes.
CREATE TABLE indicator_definition (
    build_id BIGINT NOT NULL,
    indicator_id VARCHAR NOT NULL,
    family VARCHAR NOT NULL,
    title VARCHAR NOT NULL,
    grain VARCHAR NOT NULL,                    -- 'item' | 'declaration'
    registered_by VARCHAR NOT NULL,            -- 'workbench' or the plugin that registered it
    sql_sha256 VARCHAR NOT NULL,
    params JSON NOT NULL,
    items_computed BIGINT NOT NULL,
    items_fired BIGINT NOT NULL,
    PRIMARY KEY (build_id, indicator_id)
);

-- The items of a build (a compact key per build keeps the value table narrow).
CREATE TABLE indicator_item (
    build_id BIGINT NOT NULL,
    item_key BIGINT NOT NULL,
    declaration_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,                  -- the declaration version as lodged
    item_no INTEGER NOT NULL,
    lodged_at TIMESTAMP NOT NULL
);

-- One row per item and indicator that could be computed: the value, whether it fired, what it
-- was compared with (`ref`), how much evidence stood behind the comparison (`support`) and a
-- short detail. The reason in words is rendered from these on demand.
CREATE TABLE indicator_value (
    build_id BIGINT NOT NULL,
    indicator_id VARCHAR NOT NULL,
    item_key BIGINT NOT NULL,
    value DOUBLE,
    flag BOOLEAN,
    ref DOUBLE,
    support DOUBLE,
    detail VARCHAR
);

CREATE VIEW indicator_value_latest AS
    SELECT it.declaration_id, it.version, it.item_no, it.lodged_at, v.indicator_id,
           v.value, v.flag, v.ref, v.support, v.detail, v.build_id
    FROM indicator_value v
    JOIN indicator_item it ON it.build_id = v.build_id AND it.item_key = v.item_key
    WHERE v.build_id = (SELECT max(build_id) FROM indicator_build);
