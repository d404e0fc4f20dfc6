-- Canonical schema, version 1.
-- Conventions: every fact table keeps all versions of a record (amendments are versions, never
-- overwrites) with `version`, `known_at` (when the fact became known to the service), the
-- `load_id` that brought it, a `row_hash` of its content and `attrs` (source columns the mapping
-- did not map, kept as JSON). Times are UTC. Natural keys carry their source id prefix ("nzcs:123").

CREATE TABLE store_meta (
    key VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

-- Reference data ---------------------------------------------------------------------------

CREATE TABLE country (
    country_code VARCHAR PRIMARY KEY,          -- ISO 3166-1 alpha-2
    name VARCHAR NOT NULL,
    region VARCHAR,
    is_transhipment_hub BOOLEAN NOT NULL DEFAULT false
);

CREATE TABLE hs_code (
    hs_code VARCHAR NOT NULL,                  -- 2 to 10 digits, leading zeros kept
    hs_version VARCHAR NOT NULL,               -- 'HS2017', 'HS2022', ...
    description VARCHAR,
    duty_rate DOUBLE,                          -- ad valorem, 0.05 = 5 %
    supplementary_unit VARCHAR,
    PRIMARY KEY (hs_code, hs_version)
);

CREATE TABLE exchange_rate (
    currency VARCHAR NOT NULL,                 -- ISO 4217
    rate_date DATE NOT NULL,
    units_per_base DOUBLE NOT NULL,            -- how many `currency` buy one unit of the base currency
    known_at TIMESTAMP NOT NULL,
    load_id BIGINT,
    PRIMARY KEY (currency, rate_date)
);

CREATE TABLE quantity_unit (
    unit VARCHAR PRIMARY KEY,                  -- 'kg', 'g', 't', 'lb', 'u', 'l', ...
    dimension VARCHAR NOT NULL,                -- 'mass', 'count', 'volume'
    to_canonical DOUBLE NOT NULL               -- factor to kg / units / litres
);

-- Parties and their relations --------------------------------------------------------------

CREATE TABLE party (
    party_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    known_at TIMESTAMP NOT NULL,
    name VARCHAR NOT NULL,
    party_kind VARCHAR,                        -- 'company' | 'person'
    address VARCHAR,
    city VARCHAR,
    postcode VARCHAR,
    country_code VARCHAR,
    phone VARCHAR,
    email VARCHAR,
    tax_id VARCHAR,                            -- national trader identifier
    registered_on DATE,
    trusted_trader BOOLEAN,
    load_id BIGINT NOT NULL,
    row_hash VARCHAR NOT NULL,
    attrs JSON
);

CREATE TABLE party_link (
    link_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    known_at TIMESTAMP NOT NULL,               -- first seen
    from_party_id VARCHAR NOT NULL,
    to_party_id VARCHAR NOT NULL,
    link_type VARCHAR NOT NULL,                -- 'director_of' | 'owner_of' | 'same_as' | ...
    source VARCHAR,
    last_seen TIMESTAMP,
    load_id BIGINT NOT NULL,
    row_hash VARCHAR NOT NULL,
    attrs JSON
);

-- Movements --------------------------------------------------------------------------------

CREATE TABLE voyage (
    voyage_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    known_at TIMESTAMP NOT NULL,
    conveyance VARCHAR,                        -- vessel or flight
    conveyance_id VARCHAR,                     -- IMO number, registration
    carrier_id VARCHAR,
    transport_mode VARCHAR,                    -- 'sea' | 'air' | 'road' | 'rail' | 'post'
    ports_of_call VARCHAR[],
    departed_at TIMESTAMP,
    arrived_at TIMESTAMP,
    load_id BIGINT NOT NULL,
    row_hash VARCHAR NOT NULL,
    attrs JSON
);

CREATE TABLE declaration (
    declaration_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    known_at TIMESTAMP NOT NULL,               -- lodgement of this version
    lodged_at TIMESTAMP NOT NULL,
    office_code VARCHAR,
    direction VARCHAR NOT NULL,                -- 'import' | 'export' | 'transit'
    procedure_code VARCHAR,
    transport_mode VARCHAR,
    importer_id VARCHAR,
    exporter_id VARCHAR,
    declarant_id VARCHAR,
    carrier_id VARCHAR,
    voyage_id VARCHAR,
    bill_of_lading VARCHAR,
    container_id VARCHAR,
    country_dispatch VARCHAR,
    country_origin VARCHAR,
    currency VARCHAR,
    load_id BIGINT NOT NULL,
    row_hash VARCHAR NOT NULL,
    attrs JSON
);

CREATE TABLE declaration_item (
    declaration_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,                  -- the declaration version this item belongs to
    item_no INTEGER NOT NULL,
    known_at TIMESTAMP NOT NULL,
    hs_code VARCHAR NOT NULL,
    hs_version VARCHAR,
    description VARCHAR,
    country_origin VARCHAR,
    quantity DOUBLE,
    quantity_unit VARCHAR,
    net_mass_kg DOUBLE,
    customs_value DOUBLE,                      -- in `currency`
    currency VARCHAR,
    customs_value_base DOUBLE,                 -- in the store's base currency, at the lodgement-date rate
    duty_rate DOUBLE,
    duty DOUBLE,
    preference_code VARCHAR,
    load_id BIGINT NOT NULL,
    row_hash VARCHAR NOT NULL,
    attrs JSON
);

-- Controls and intelligence ----------------------------------------------------------------

CREATE TABLE inspection (
    inspection_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    known_at TIMESTAMP NOT NULL,               -- when this state of the inspection became known
    declaration_id VARCHAR NOT NULL,
    selected_at TIMESTAMP NOT NULL,
    lane VARCHAR NOT NULL,                     -- 'green' | 'yellow' | 'orange' | 'red' | 'blue'
    selection_source VARCHAR NOT NULL,         -- 'profile' | 'random' | 'officer' | 'intelligence'
    profile_id VARCHAR,
    result VARCHAR NOT NULL,                   -- 'pending' | 'positive' | 'negative'
    offence_type VARCHAR,
    revenue_recovered DOUBLE,
    result_at TIMESTAMP,
    load_id BIGINT NOT NULL,
    row_hash VARCHAR NOT NULL,
    attrs JSON
);

CREATE TABLE intel_report (
    report_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    known_at TIMESTAMP NOT NULL,               -- received
    source_reliability VARCHAR,                -- A..F (Admiralty grading)
    info_credibility VARCHAR,                  -- 1..6
    title VARCHAR,
    body VARCHAR,
    entities VARCHAR[],                        -- ids or names of entities mentioned
    load_id BIGINT NOT NULL,
    row_hash VARCHAR NOT NULL,
    attrs JSON
);

CREATE TABLE watchlist_entry (
    entry_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    known_at TIMESTAMP NOT NULL,               -- listing date (or first load when the list gives none)
    list_name VARCHAR NOT NULL,
    kind VARCHAR,                              -- 'individual' | 'entity' | 'vessel' | 'aircraft' | ...
    name VARCHAR NOT NULL,
    aliases VARCHAR[],
    identifiers VARCHAR[],
    addresses VARCHAR[],
    countries VARCHAR[],
    program VARCHAR,
    remarks VARCHAR,
    delisted_at TIMESTAMP,
    load_id BIGINT NOT NULL,
    row_hash VARCHAR NOT NULL,
    attrs JSON
);

-- Provenance, quarantine, audit, roles -----------------------------------------------------

CREATE SEQUENCE load_id_seq START 1;
CREATE TABLE load_log (
    load_id BIGINT PRIMARY KEY,
    source VARCHAR NOT NULL,                   -- file or folder name as given
    source_sha256 VARCHAR NOT NULL,
    mapping_name VARCHAR NOT NULL,
    mapping_version VARCHAR NOT NULL,
    mapping_sha256 VARCHAR NOT NULL,
    mapping_text VARCHAR NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL,
    loaded_by VARCHAR NOT NULL,
    rows_in BIGINT NOT NULL,
    rows_loaded BIGINT NOT NULL,
    rows_unchanged BIGINT NOT NULL,
    rows_quarantined BIGINT NOT NULL,
    rows_waiting BIGINT NOT NULL,
    kind VARCHAR NOT NULL,                     -- 'load' | 'retry'
    input_schema JSON NOT NULL                 -- column -> type of the staged rows (for retries)
);

CREATE SEQUENCE quarantine_id_seq START 1;
CREATE TABLE quarantine (
    quarantine_id BIGINT PRIMARY KEY,
    load_id BIGINT NOT NULL,
    source_name VARCHAR NOT NULL,              -- which source of the mapping
    source_row BIGINT,                         -- 1-based data row in that source (header excluded)
    target_table VARCHAR,
    record_key VARCHAR,
    status VARCHAR NOT NULL,                   -- 'rejected' | 'waiting' | 'resolved'
    reason VARCHAR NOT NULL,
    column_name VARCHAR,
    bad_value VARCHAR,
    raw JSON NOT NULL,                         -- the source row as read, every column as text
    resolved_by_load BIGINT
);

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    logged_at TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    object_type VARCHAR NOT NULL,
    object_id VARCHAR NOT NULL,
    reason VARCHAR,
    details JSON,
    prev_hash VARCHAR NOT NULL,
    hash VARCHAR NOT NULL
);

CREATE TABLE user_role (
    user_name VARCHAR NOT NULL,
    role VARCHAR NOT NULL,                     -- 'analyst' | 'approver' | 'admin'
    granted_by VARCHAR NOT NULL,
    granted_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_name, role)
);
