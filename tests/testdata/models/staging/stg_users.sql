{{ config(materialized='table') }}
with source as (
    select * from {{ source('raw', 'users') }}
),

final as (
    select
        {{ normalise_id('user_id') }} as user_id,
        tier,
        region,
        {{ parse_timestamp_any('signup_at') }} as signup_at
    from source
)

select * from final
