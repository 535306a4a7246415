-- One row per listing, with its seller's tier and when (if ever) it was published and
-- recycled according to the event stream.

with listings as (

    select * from staging.stg_listings

),

users as (

    select * from staging.stg_users

),

events as (

    select * from staging.stg_events

),

listing_milestones as (

    select
        listing_id,
        min(case when event_name = 'publish_listing' then event_at end) as published_at,
        min(case when event_name = 'complete_recycling' then event_at end) as recycled_at,
    from events
    where listing_id is not null
        and event_name in ('publish_listing', 'complete_recycling')
    group by listing_id

),

listings_joined_to_sellers as (

    select
        listings.listing_id,
        listings.user_id,
        listings.title,
        listings.category,
        listings.weight_kg,
        listings.eco_score_kg_co2e,
        listings.region,
        users.tier,
        listings.created_at,
        listing_milestones.published_at is not null as is_published,
        listing_milestones.published_at,
        listing_milestones.recycled_at is not null as is_recycled,
        listing_milestones.recycled_at,
    from listings
    left join users
        on listings.user_id = users.user_id
    left join listing_milestones
        on listings.listing_id = listing_milestones.listing_id

),

final as (

    select * from listings_joined_to_sellers

)

select * from final
