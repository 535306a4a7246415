-- relationships: stg_events.user_id -> stg_users.user_id
select child.*
from staging.stg_events as child
left join staging.stg_users as parent
    on child.user_id = parent.user_id
where child.user_id is not null
    and parent.user_id is null
