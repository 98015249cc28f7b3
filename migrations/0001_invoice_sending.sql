CREATE TABLE `invoice_sends` (
	`idempotency_key` text PRIMARY KEY NOT NULL,
	`request_hash` text NOT NULL,
	`stripe_account_id` text NOT NULL,
	`state` text NOT NULL,
	`step` text NOT NULL,
	`stripe_customer_id` text,
	`stripe_invoice_id` text,
	`items_created` integer DEFAULT 0 NOT NULL,
	`error_code` text,
	`error_message` text,
	`http_status` integer,
	`lease_token` text,
	`lease_until` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `invoice_sends_invoice` ON `invoice_sends` (`stripe_invoice_id`);--> statement-breakpoint
CREATE INDEX `invoice_sends_state_updated` ON `invoice_sends` (`state`,`updated_at`);--> statement-breakpoint
ALTER TABLE `invoices` ADD `stripe_customer_id` text;--> statement-breakpoint
ALTER TABLE `invoices` ADD `number` text;--> statement-breakpoint
ALTER TABLE `invoices` ADD `amount_due` integer;--> statement-breakpoint
ALTER TABLE `invoices` ADD `currency` text;--> statement-breakpoint
ALTER TABLE `invoices` ADD `hosted_invoice_url` text;--> statement-breakpoint
ALTER TABLE `invoices` ADD `due_date` integer;--> statement-breakpoint
ALTER TABLE `invoices` ADD `error_code` text;--> statement-breakpoint
ALTER TABLE `invoices` ADD `error_message` text;