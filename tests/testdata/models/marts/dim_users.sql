with users as (
    select * from {{ ref('stg_users') }}
),

final as (
    select
        user_id,
        tier,
        region,
        signup_at,
        {{ to_date('signup_at') }} as signup_date,
        {{ date_trunc_date('week', 'signup_at') }} as signup_week
    from users
)

select * from final
