/*
title: Search the watch lists
description: >
  Current watch-list entries whose name or one of whose aliases contains the text
  (case-insensitive). For fuzzy matching of parties use `workbench screen`.
tags: [lists]
parameters:
  name: {type: string, description: Text the name or an alias contains}
  list_name: {type: string, description: Only this list (e.g. OFAC SDN), default: null}
*/
select entry_id, list_name, kind, name, aliases, program, countries, known_at as listed_at, delisted_at
from watchlist_entry_current
where ($list_name is null or list_name = $list_name)
  and (name ilike '%' || $name || '%'
       or len(list_filter(coalesce(aliases, []), lambda a: a ilike '%' || $name || '%')) > 0)
order by name, entry_id
