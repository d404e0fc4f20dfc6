-- The strategic risk register: risk areas rated likelihood x consequence (5 x 5), each change a
-- new version (who, when, why), the current state in risk_area_current.

CREATE TABLE risk_area (
    risk_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    known_at TIMESTAMP NOT NULL,               -- when this version was recorded
    title VARCHAR NOT NULL,
    category VARCHAR,                          -- 'revenue' | 'narcotics' | 'weapons' | 'counterfeit' | 'biosecurity' | 'sanctions' | ...
    description VARCHAR,
    likelihood INTEGER NOT NULL CHECK (likelihood BETWEEN 1 AND 5),
    consequence INTEGER NOT NULL CHECK (consequence BETWEEN 1 AND 5),
    rating INTEGER NOT NULL,                   -- likelihood x consequence, 1..25
    band VARCHAR NOT NULL,                     -- 'low' | 'medium' | 'high' | 'extreme'
    owner VARCHAR,
    treatment VARCHAR,
    review_on DATE,
    status VARCHAR NOT NULL,                   -- 'open' | 'closed'
    scope JSON,                                -- what in the data the risk concerns (hs prefixes, origins, offence types)
    changed_by VARCHAR NOT NULL,
    change_reason VARCHAR,
    PRIMARY KEY (risk_id, version)
);

CREATE VIEW risk_area_current AS
    SELECT * FROM risk_area QUALIFY row_number() OVER (PARTITION BY risk_id ORDER BY version DESC) = 1;
