-- unique: base_events._raw_id
select
    _raw_id as unique_field,
    count(*) as n_records
from `terraloop_staging.base_events`
where _raw_id is not null
group by _raw_id
having count(*) > 1
