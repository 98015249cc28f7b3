CREATE TABLE `webhook_rejections` (
	`bucket_start` integer NOT NULL,
	`reason` text NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`bucket_start`, `reason`)
);
