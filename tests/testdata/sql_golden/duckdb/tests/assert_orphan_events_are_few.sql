-- Orphan events (user id unknown to the registry) are kept and flagged in fct_events;
-- this warns with their count so they stay visible rather than silently dropped.

select event_id, user_id, event_name, event_at
from marts.fct_events
where is_orphan
