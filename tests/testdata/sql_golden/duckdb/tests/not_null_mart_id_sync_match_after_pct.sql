-- not_null: mart_id_sync.match_after_pct
select *
from marts.mart_id_sync
where match_after_pct is null
