{{ config(materialized='table') }}

-- One row per registry user: ids standardised with trim(upper()), values trimmed,
-- signup time parsed to UTC. A user delivered twice keeps its latest load.

with source_users as (

    select * from {{ source('raw', 'users') }}

),

users_standardised as (

    select
        {{ trim_ws('upper(user_id)') }} as user_id,
        {{ trim_ws('full_name') }} as full_name,
        lower({{ trim_ws('email') }}) as email,
        {{ trim_ws('company') }} as company,
        {{ trim_ws('tier') }} as tier,
        upper({{ trim_ws('region') }}) as region,
        {{ parse_timestamp_any('signup_at') }} as signup_at,
        _source_file,
        _line,
        _loaded_at,
    from source_users

),

users_deduplicated as (

    select * from users_standardised
    qualify row_number() over (
        partition by user_id order by _loaded_at desc, _source_file desc, _line desc
    ) = 1

),

final as (

    select * from users_deduplicated

)

select * from final
