-- not_null: stg_events_quarantined.quarantine_reason
select *
from `terraloop_staging.stg_events_quarantined`
where quarantine_reason is null
