-- One row per listing: ids standardised, numbers safely cast (bad values become NULL and
-- are counted by a data test), creation time parsed to UTC.

with source_listings as (

    select * from `terraloop_raw.listings`

),

listings_standardised as (

    select
        trim(upper(listing_id)) as listing_id,
        trim(upper(user_id)) as user_id,
        trim(title) as title,
        trim(category) as category,
        case when regexp_contains(cast(weight_kg as STRING), r'^(?: *[+-]?(([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?|(?i:inf|infinity|nan)) *)$') then safe_cast(weight_kg as FLOAT64) end as weight_kg,
        case when regexp_contains(cast(eco_score_kg_co2e as STRING), r'^(?: *[+-]?(([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?|(?i:inf|infinity|nan)) *)$') then safe_cast(eco_score_kg_co2e as FLOAT64) end as eco_score_kg_co2e,
        upper(trim(region)) as region,
        case when regexp_contains(created_at, r'^[0-9]{1,13}$') and length(created_at) >= 11 then timestamp_millis(safe_cast(created_at as INT64)) else coalesce(safe.parse_timestamp('%Y-%m-%dT%H:%M:%E*SZ', created_at), safe.parse_timestamp('%Y-%m-%dT%H:%M:%E*S%Ez', created_at), safe.parse_timestamp('%Y-%m-%d %H:%M:%E*S', created_at), safe.parse_timestamp('%Y-%m-%dT%H:%M:%E*S', created_at)) end as created_at,
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
