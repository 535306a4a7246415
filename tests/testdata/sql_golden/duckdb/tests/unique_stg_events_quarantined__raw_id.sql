-- unique: stg_events_quarantined._raw_id
select
    _raw_id as unique_field,
    count(*) as n_records
from staging.stg_events_quarantined
where _raw_id is not null
group by _raw_id
having count(*) > 1
