-- The portal's front door. What a unit's site footer says (主办单位, 网站标识码, ICP 备案号,
-- 公网安备 number; empty for "as the city's"), the host name of a unit's own site (NULL: served
-- only under the city's portal), and the site-wide mourning mode (哀悼日置灰), kept on the root
-- unit: greyscale from `mourning_from` (Unix seconds) until `mourning_until` (NULL: until
-- switched off); NULL `mourning_from` is off.
ALTER TABLE units ADD COLUMN host_org TEXT NOT NULL DEFAULT '';
ALTER TABLE units ADD COLUMN site_code TEXT NOT NULL DEFAULT '';
ALTER TABLE units ADD COLUMN icp_no TEXT NOT NULL DEFAULT '';
ALTER TABLE units ADD COLUMN police_no TEXT NOT NULL DEFAULT '';
ALTER TABLE units ADD COLUMN host TEXT;
ALTER TABLE units ADD COLUMN mourning_from BIGINT;
ALTER TABLE units ADD COLUMN mourning_until BIGINT;
CREATE UNIQUE INDEX units_host ON units (host);
-- What a column's page says while it holds nothing (为什么暂无信息), instead of only 本栏目暂无信息.
ALTER TABLE columns ADD COLUMN empty_note TEXT NOT NULL DEFAULT '';
