-- not_null: mart_id_sync.n_events
select *
from marts.mart_id_sync
where n_events is null
