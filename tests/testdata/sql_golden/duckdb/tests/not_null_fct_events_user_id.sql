-- not_null: fct_events.user_id
select *
from marts.fct_events
where user_id is null
