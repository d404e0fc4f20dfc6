/*
title: One declaration, item by item
description: >
  The current version of a declaration with its parties, route and every item (HS code,
  description, quantity, mass, value in the base currency, duty), with the inspections of it.
tags: [declaration]
parameters:
  declaration_id: {type: string, description: "Declaration id as stored, with its source prefix (e.g. tiny:D2)"}
*/
select d.declaration_id, d.version, d.lodged_at, d.office_code, d.importer_id, d.exporter_id, d.declarant_id,
       d.country_dispatch, coalesce(i.country_origin, d.country_origin) as origin, i.item_no, i.hs_code,
       i.description, i.quantity, i.quantity_unit, i.net_mass_kg, i.customs_value, d.currency,
       i.customs_value_base, i.duty,
       (select string_agg(x.lane || ' ' || x.result, ', ' order by x.selected_at)
          from inspection_current x where x.declaration_id = d.declaration_id) as inspections
from declaration_current d join declaration_item i using (declaration_id, version)
where d.declaration_id = $declaration_id
order by i.item_no
