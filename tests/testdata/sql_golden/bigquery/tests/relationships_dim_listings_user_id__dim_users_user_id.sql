-- relationships: dim_listings.user_id -> dim_users.user_id
select child.*
from `terraloop_marts.dim_listings` as child
left join `terraloop_marts.dim_users` as parent
    on child.user_id = parent.user_id
where child.user_id is not null
    and parent.user_id is null
