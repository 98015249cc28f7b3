CREATE TABLE `invoice_events` (
	`id` text PRIMARY KEY NOT NULL,
	`source` text DEFAULT 'webhook' NOT NULL,
	`type` text NOT NULL,
	`account` text,
	`livemode` integer,
	`api_version` text,
	`created` integer NOT NULL,
	`received_at` integer NOT NULL,
	`secret` text,
	`invoice_id` text,
	`outcome` text NOT NULL,
	`error` text,
	`target_status` text,
	`target_paid_at` integer,
	`state_key` text
);
--> statement-breakpoint
CREATE INDEX `invoice_events_invoice` ON `invoice_events` (`invoice_id`,`created`);--> statement-breakpoint
CREATE INDEX `invoice_events_received` ON `invoice_events` (`received_at`);--> statement-breakpoint
CREATE INDEX `invoice_events_outcome` ON `invoice_events` (`outcome`,`received_at`);--> statement-breakpoint
CREATE TABLE `invoices` (
	`stripe_invoice_id` text PRIMARY KEY NOT NULL,
	`stripe_account_id` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`paid_at` integer,
	`state_key` text DEFAULT '0' NOT NULL,
	`status_event_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `invoices_status_updated` ON `invoices` (`status`,`updated_at`);--> statement-breakpoint
CREATE INDEX `invoices_account` ON `invoices` (`stripe_account_id`);