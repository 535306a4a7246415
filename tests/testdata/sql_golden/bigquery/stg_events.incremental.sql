create temp table `stg_events__incremental` as
-- One row per event: the first delivery of each event id whose fields are usable.
-- Duplicate deliveries are dropped here; unusable rows live in stg_events_quarantined.
-- Incremental: base_events rows loaded since the last build; a later delivery of an event
-- already here is a duplicate in base_events, so it never replaces the first one.

with base_events as (

    select * from `terraloop_staging.base_events`
    where _loaded_at > (select coalesce(max(built._loaded_at), timestamp '0001-01-01 00:00:00+00') from `terraloop_staging.stg_events` as built)

),

events_kept as (

    select * from base_events
    where not is_duplicate and quarantine_reason is null

),

final as (

    select
        event_id,
        user_id,
        user_id_raw,
        event_name,
        event_at,
        session_id,
        platform,
        listing_id,
        category,
        weight_kg,
        eco_score_kg_co2e,
        weight_kg_raw is not null and weight_kg is null as has_bad_weight,
        eco_score_raw is not null and eco_score_kg_co2e is null as has_bad_eco_score,
        search_query,
        delivered_date,
        delivered_date > date(event_at) as is_late_arrival,
        _raw_id,
        _source_file,
        _line,
        _loaded_at,
    from events_kept

)

select * from final;

merge into `terraloop_staging.stg_events` as target
using `stg_events__incremental` as batch
on target.`event_id` = batch.`event_id`
when matched then update set
    `user_id` = batch.`user_id`,
    `user_id_raw` = batch.`user_id_raw`,
    `event_name` = batch.`event_name`,
    `event_at` = batch.`event_at`,
    `session_id` = batch.`session_id`,
    `platform` = batch.`platform`,
    `listing_id` = batch.`listing_id`,
    `category` = batch.`category`,
    `weight_kg` = batch.`weight_kg`,
    `eco_score_kg_co2e` = batch.`eco_score_kg_co2e`,
    `has_bad_weight` = batch.`has_bad_weight`,
    `has_bad_eco_score` = batch.`has_bad_eco_score`,
    `search_query` = batch.`search_query`,
    `delivered_date` = batch.`delivered_date`,
    `is_late_arrival` = batch.`is_late_arrival`,
    `_raw_id` = batch.`_raw_id`,
    `_source_file` = batch.`_source_file`,
    `_line` = batch.`_line`,
    `_loaded_at` = batch.`_loaded_at`
when not matched then insert (`event_id`, `user_id`, `user_id_raw`, `event_name`, `event_at`, `session_id`, `platform`, `listing_id`, `category`, `weight_kg`, `eco_score_kg_co2e`, `has_bad_weight`, `has_bad_eco_score`, `search_query`, `delivered_date`, `is_late_arrival`, `_raw_id`, `_source_file`, `_line`, `_loaded_at`)
    values (batch.`event_id`, batch.`user_id`, batch.`user_id_raw`, batch.`event_name`, batch.`event_at`, batch.`session_id`, batch.`platform`, batch.`listing_id`, batch.`category`, batch.`weight_kg`, batch.`eco_score_kg_co2e`, batch.`has_bad_weight`, batch.`has_bad_eco_score`, batch.`search_query`, batch.`delivered_date`, batch.`is_late_arrival`, batch.`_raw_id`, batch.`_source_file`, batch.`_line`, batch.`_loaded_at`);

select
    (select count(*) from `stg_events__incremental`) as batch_rows,
    (select count(*) from `terraloop_staging.stg_events`) as n;
