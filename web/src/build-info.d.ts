/** The page's build version (vite.config.ts `define`): what the device report says the app is. */
declare const __APP_BUILD__: string;
