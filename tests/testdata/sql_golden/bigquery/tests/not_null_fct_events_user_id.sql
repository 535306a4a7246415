-- not_null: fct_events.user_id
select *
from `terraloop_marts.fct_events`
where user_id is null
