/** The names of baton's images: light, so an oracle kind's descriptor can name the image it needs without the recipes' file reads. */
export const BASE_IMAGE = 'baton-base';
export const BROWSER_IMAGE = 'baton-browser';
