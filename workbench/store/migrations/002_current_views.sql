-- "Current" views: the latest known version of every record. Point-in-time work reads the
-- versioned tables with a `known_at` bound instead.

CREATE VIEW party_current AS
    SELECT * FROM party QUALIFY row_number() OVER (PARTITION BY party_id ORDER BY known_at DESC, version DESC) = 1;
CREATE VIEW party_link_current AS
    SELECT * FROM party_link QUALIFY row_number() OVER (PARTITION BY link_id ORDER BY known_at DESC, version DESC) = 1;
CREATE VIEW voyage_current AS
    SELECT * FROM voyage QUALIFY row_number() OVER (PARTITION BY voyage_id ORDER BY known_at DESC, version DESC) = 1;
CREATE VIEW declaration_current AS
    SELECT * FROM declaration QUALIFY row_number() OVER (PARTITION BY declaration_id ORDER BY known_at DESC, version DESC) = 1;
CREATE VIEW declaration_item_current AS
    SELECT i.* FROM declaration_item i
    JOIN declaration_current d USING (declaration_id, version);
CREATE VIEW inspection_current AS
    SELECT * FROM inspection QUALIFY row_number() OVER (PARTITION BY inspection_id ORDER BY known_at DESC, version DESC) = 1;
CREATE VIEW intel_report_current AS
    SELECT * FROM intel_report QUALIFY row_number() OVER (PARTITION BY report_id ORDER BY known_at DESC, version DESC) = 1;
CREATE VIEW watchlist_entry_current AS
    SELECT * FROM watchlist_entry QUALIFY row_number() OVER (PARTITION BY entry_id ORDER BY known_at DESC, version DESC) = 1;
