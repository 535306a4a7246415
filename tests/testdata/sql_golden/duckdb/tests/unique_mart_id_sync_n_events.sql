-- unique: mart_id_sync.n_events
select
    n_events as unique_field,
    count(*) as n_records
from marts.mart_id_sync
where n_events is not null
group by n_events
having count(*) > 1
