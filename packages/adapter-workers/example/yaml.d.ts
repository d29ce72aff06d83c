// A wrangler `Text` rule makes every imported .yaml file a string module.
declare module "*.yaml" {
  const text: string;
  export default text;
}
