{{ config(materialized='table') }}

-- One row per listing: ids standardised, numbers safely cast (bad values become NULL and
-- are counted by a data test), creation time parsed to UTC.

with source_listings as (

    select * from {{ source('raw', 'listings') }}

),

listings_standardised as (

    select
        {{ trim_ws('upper(listing_id)') }} as listing_id,
        {{ trim_ws('upper(user_id)') }} as user_id,
        {{ trim_ws('title') }} as title,
        {{ trim_ws('category') }} as category,
        {{ safe_cast('weight_kg', 'double') }} as weight_kg,
        {{ safe_cast('eco_score_kg_co2e', 'double') }} as eco_score_kg_co2e,
        upper({{ trim_ws('region') }}) as region,
        {{ parse_timestamp_any('created_at') }} as created_at,
        _source_file,
        _line,
        _loaded_at,
    from source_listings

),

listings_deduplicated as (

    select * from listings_standardised
    qualify row_number() over (
        partition by listing_id order by _loaded_at desc, _source_file desc, _line desc
    ) = 1

),

final as (

    select * from listings_deduplicated

)

select * from final
