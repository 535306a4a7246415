declare incremental_partitions array<timestamp>;

create temp table `fct_events__incremental` as
-- One row per clean event, joined to the user dimension on the standardised id.
-- Orphan events (user id not in the registry) are kept and flagged, never dropped.
-- _loaded_at is when the newest input of a row was loaded: its event's delivery or the
-- user registry it was joined to. Incremental: events loaded since the last build; when a
-- new users.csv was loaded since, every event is joined again (tiers, regions and orphan
-- flags may all have changed).

with events as (

    select * from `terraloop_staging.stg_events`

),

users as (

    select * from `terraloop_marts.dim_users`

),

registry as (

    select max(_loaded_at) as registry_loaded_at from `terraloop_staging.stg_users`

),

events_to_build as (

    select
        events.*,
        registry.registry_loaded_at,
    from events
    cross join registry
    where events._loaded_at > (select coalesce(max(built._loaded_at), timestamp '0001-01-01 00:00:00+00') from `terraloop_marts.fct_events` as built)
        or registry.registry_loaded_at > (select coalesce(max(built._loaded_at), timestamp '0001-01-01 00:00:00+00') from `terraloop_marts.fct_events` as built)

),

events_joined_to_users as (

    select
        events.event_id,
        events.user_id,
        events.event_name,
        events.event_at,
        date(events.event_at) as event_date,
        events.session_id,
        events.platform,
        events.listing_id,
        events.category,
        events.weight_kg,
        events.eco_score_kg_co2e,
        users.tier,
        users.region,
        users.signup_week,
        users.user_id is null as is_orphan,
        case
            when events.registry_loaded_at > events._loaded_at then events.registry_loaded_at
            else events._loaded_at
        end as _loaded_at,
    from events_to_build as events
    left join users
        on events.user_id = users.user_id

),

final as (

    select * from events_joined_to_users

)

select * from final;

set incremental_partitions = (
    select array_agg(distinct timestamp_trunc(`event_at`, day) ignore nulls) from `fct_events__incremental`
);

merge into `terraloop_marts.fct_events` as target
using `fct_events__incremental` as batch
on timestamp_trunc(target.`event_at`, day) in unnest(incremental_partitions)
    and target.`event_id` = batch.`event_id`
when matched then update set
    `user_id` = batch.`user_id`,
    `event_name` = batch.`event_name`,
    `event_at` = batch.`event_at`,
    `event_date` = batch.`event_date`,
    `session_id` = batch.`session_id`,
    `platform` = batch.`platform`,
    `listing_id` = batch.`listing_id`,
    `category` = batch.`category`,
    `weight_kg` = batch.`weight_kg`,
    `eco_score_kg_co2e` = batch.`eco_score_kg_co2e`,
    `tier` = batch.`tier`,
    `region` = batch.`region`,
    `signup_week` = batch.`signup_week`,
    `is_orphan` = batch.`is_orphan`,
    `_loaded_at` = batch.`_loaded_at`
when not matched then insert (`event_id`, `user_id`, `event_name`, `event_at`, `event_date`, `session_id`, `platform`, `listing_id`, `category`, `weight_kg`, `eco_score_kg_co2e`, `tier`, `region`, `signup_week`, `is_orphan`, `_loaded_at`)
    values (batch.`event_id`, batch.`user_id`, batch.`event_name`, batch.`event_at`, batch.`event_date`, batch.`session_id`, batch.`platform`, batch.`listing_id`, batch.`category`, batch.`weight_kg`, batch.`eco_score_kg_co2e`, batch.`tier`, batch.`region`, batch.`signup_week`, batch.`is_orphan`, batch.`_loaded_at`);

select
    (select count(*) from `fct_events__incremental`) as batch_rows,
    (select count(*) from `terraloop_marts.fct_events`) as n;
