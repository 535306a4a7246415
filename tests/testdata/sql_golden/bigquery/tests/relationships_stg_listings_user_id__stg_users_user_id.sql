-- relationships: stg_listings.user_id -> stg_users.user_id
select child.*
from `terraloop_staging.stg_listings` as child
left join `terraloop_staging.stg_users` as parent
    on child.user_id = parent.user_id
where child.user_id is not null
    and parent.user_id is null
