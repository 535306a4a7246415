-- accepted_values: stg_events_quarantined.quarantine_reason
select
    quarantine_reason as value_field,
    count(*) as n_records
from `terraloop_staging.stg_events_quarantined`
where quarantine_reason is not null
    and quarantine_reason not in ('missing event_id', 'missing user_id', 'unknown event name', 'unparseable timestamp')
group by quarantine_reason
