-- relationships: fct_events.user_id -> dim_users.user_id
select child.*
from marts.fct_events as child
left join marts.dim_users as parent
    on child.user_id = parent.user_id
where child.user_id is not null
    and parent.user_id is null
