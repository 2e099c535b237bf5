-- What Meta tells about a template besides its review: its quality score, the detail of its last
-- status event (rejection info, disable date) and a change of category (done or announced).
ALTER TABLE `templates` ADD `quality` text;--> statement-breakpoint
ALTER TABLE `templates` ADD `rejection_info` text;--> statement-breakpoint
ALTER TABLE `templates` ADD `status_event` text;--> statement-breakpoint
ALTER TABLE `templates` ADD `category_change` text;--> statement-breakpoint
-- What Meta tells about a project's number and WhatsApp Business Account, and the hold it puts
-- on the project's campaigns while business-initiated messaging is restricted or the account disabled.
ALTER TABLE `whatsapp_accounts` ADD `number_state` text;--> statement-breakpoint
ALTER TABLE `whatsapp_accounts` ADD `messaging_limit` text;--> statement-breakpoint
ALTER TABLE `whatsapp_accounts` ADD `account_state` text;--> statement-breakpoint
ALTER TABLE `whatsapp_accounts` ADD `hold_reason` text;--> statement-breakpoint
ALTER TABLE `whatsapp_accounts` ADD `hold_until` integer;
