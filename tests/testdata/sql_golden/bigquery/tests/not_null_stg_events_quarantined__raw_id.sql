-- not_null: stg_events_quarantined._raw_id
select *
from `terraloop_staging.stg_events_quarantined`
where _raw_id is null
