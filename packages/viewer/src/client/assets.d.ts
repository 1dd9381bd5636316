/** Vite's `?url` imports: the URL of a file the build copies into assets/. */
declare module "*?url" {
  const url: string;
  export default url;
}
