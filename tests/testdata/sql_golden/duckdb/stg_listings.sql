-- One row per listing: ids standardised, numbers safely cast (bad values become NULL and
-- are counted by a data test), creation time parsed to UTC.

with source_listings as (

    select * from raw.listings

),

listings_standardised as (

    select
        regexp_replace(upper(listing_id), '^[\s\x0b\x85\p{Z}]+|[\s\x0b\x85\p{Z}]+$', '', 'g') as listing_id,
        regexp_replace(upper(user_id), '^[\s\x0b\x85\p{Z}]+|[\s\x0b\x85\p{Z}]+$', '', 'g') as user_id,
        regexp_replace(title, '^[\s\x0b\x85\p{Z}]+|[\s\x0b\x85\p{Z}]+$', '', 'g') as title,
        regexp_replace(category, '^[\s\x0b\x85\p{Z}]+|[\s\x0b\x85\p{Z}]+$', '', 'g') as category,
        case when regexp_full_match(cast(weight_kg as VARCHAR), ' *[+-]?(([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?|(?i:inf|infinity|nan)) *') then try_cast(weight_kg as DOUBLE) end as weight_kg,
        case when regexp_full_match(cast(eco_score_kg_co2e as VARCHAR), ' *[+-]?(([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?|(?i:inf|infinity|nan)) *') then try_cast(eco_score_kg_co2e as DOUBLE) end as eco_score_kg_co2e,
        upper(regexp_replace(region, '^[\s\x0b\x85\p{Z}]+|[\s\x0b\x85\p{Z}]+$', '', 'g')) as region,
        case when regexp_full_match(created_at, '[0-9]{1,13}') and length(created_at) >= 11 then timezone('UTC', epoch_ms(try_cast(created_at as BIGINT))) else coalesce(timezone('UTC', try_strptime(created_at, ['%Y-%m-%dT%H:%M:%S.%fZ', '%Y-%m-%dT%H:%M:%SZ', '%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%dT%H:%M:%S.%f'])), try_strptime(created_at, ['%Y-%m-%dT%H:%M:%S.%f%z', '%Y-%m-%dT%H:%M:%S%z'])) end as created_at,
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
