-- accepted_values: stg_events.event_name
select
    event_name as value_field,
    count(*) as n_records
from staging.stg_events
where event_name is not null
    and event_name not in ('session_start', 'search', 'view_listing', 'start_listing', 'publish_listing', 'message_seller', 'complete_recycling')
group by event_name
