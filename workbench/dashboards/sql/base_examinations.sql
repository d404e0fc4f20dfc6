-- Base 4: the inspections of those declarations as they stand now, with the stream that selected
-- them (random apart from the targeted ones) and the declaration's date, office and dispatch (so
-- that a slice filters inspections without a join). Becomes _wb_trade_examination.
select d.dkey, x.inspection_id, x.lane, x.selected_at, x.result, x.revenue_recovered,
       case when x.selection_source = 'random' then 'random' else 'targeted' end as stream,
       d.lodged_at, d.office, d.dispatch as decl_dispatch
from inspection_current x
join _wb_trade_declaration d on d.declaration_id = x.declaration_id
where true
  and x.lane = $lane                                                                       -- if lane
order by d.dkey, x.inspection_id
