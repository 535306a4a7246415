-- not_null: stg_events_quarantined._raw_id
select *
from staging.stg_events_quarantined
where _raw_id is null
