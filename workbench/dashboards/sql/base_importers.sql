-- Base 5: the names of the importers of those declarations. Becomes _wb_trade_importer.
select party_id as importer_id, name
from party_current
where party_id in (select importer_id from _wb_trade_declaration)
