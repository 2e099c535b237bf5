ALTER TABLE `whatsapp_accounts` ADD `marketing_messages_api` integer DEFAULT false NOT NULL;
