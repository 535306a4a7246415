-- not_null: stg_events_quarantined.quarantine_reason
select *
from staging.stg_events_quarantined
where quarantine_reason is null
