CREATE TABLE `reconcile_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`triggered_by` text NOT NULL,
	`cron` text,
	`started_at` integer NOT NULL,
	`finished_at` integer,
	`selected` integer DEFAULT 0 NOT NULL,
	`examined` integer DEFAULT 0 NOT NULL,
	`changed` integer DEFAULT 0 NOT NULL,
	`errors` text DEFAULT '{}' NOT NULL,
	`stopped_reason` text
);
--> statement-breakpoint
CREATE INDEX `reconcile_runs_started` ON `reconcile_runs` (`started_at`);--> statement-breakpoint
ALTER TABLE `invoices` ADD `reconcile_checked_at` integer;--> statement-breakpoint
ALTER TABLE `invoices` ADD `reconcile_backoff_until` integer;--> statement-breakpoint
ALTER TABLE `invoices` ADD `reconcile_failures` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `invoices` ADD `reconcile_error` text;--> statement-breakpoint
ALTER TABLE `invoices` ADD `reconcile_reason` text;--> statement-breakpoint
CREATE INDEX `invoices_reconcile` ON `invoices` (`status`,`reconcile_checked_at`);