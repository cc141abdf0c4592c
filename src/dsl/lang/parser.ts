import { CstParser, EOF, tokenLabel, type IParserErrorMessageProvider, type IToken } from 'chevrotain';
import {
  allTokens,
  Colon,
  Comma,
  Const,
  Data,
  Equals,
  Factor,
  Guide,
  Identifier,
  LCurly,
  LParen,
  LSquare,
  Minus,
  Model,
  Net,
  NumberLiteral,
  Param,
  Plate,
  Plus,
  Power,
  RCurly,
  RParen,
  RSquare,
  Semicolon,
  Slash,
  Star,
  Tilde,
  Enumerate,
} from './tokens.js';

/** What a token looks like in a message: `'x'`, `'('`, or "the end of the file". */
export function describeToken(token: IToken | undefined): string {
  if (!token || token.tokenType === EOF) return 'the end of the file';
  return `'${token.image}'`;
}

const RULE_CONTEXT: Readonly<Record<string, string>> = {
  dataDecl: 'in a data declaration (data x: real[N, D])',
  paramDecl: 'in a param declaration (param sigma: positive = 1)',
  typeSpec: 'in a type (real, positive[D], simplex[K], ...)',
  netDecl: 'in a net declaration (net f = mlp(2, 16, 1))',
  constDecl: 'in a const declaration (const K = 3)',
  modelBlock: 'in the model block',
  guideBlock: 'in the guide block',
  block: 'in a block',
  statement: 'in a statement',
  binding: 'in a statement',
  plateStatement: 'in a plate (plate data(N) { ... })',
  factorStatement: 'in factor(...)',
  distribution: 'in a distribution call',
  argumentList: 'in the arguments',
  argument: 'in an argument',
  shape: 'in a shape [..]',
  indexSuffix: 'in an index [..]',
  arrayLiteral: 'in an array [..]',
};

function context(ruleName: string): string {
  return RULE_CONTEXT[ruleName] ?? '';
}

/** Human messages: what was expected, what was found, and where. */
const errorMessageProvider: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, ruleName }) {
    if (expected === EOF) return errorMessageProvider.buildNotAllInputParsedMessage({ firstRedundant: actual, ruleName });
    if (ruleName === 'distribution' && expected === Identifier) return `expected a distribution after '~' (such as normal(0, 1)) but found ${describeToken(actual)}`;
    const where = context(ruleName);
    return `expected ${tokenLabel(expected)} but found ${describeToken(actual)}${where ? ` ${where}` : ''}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `expected a declaration (data, param, net, const, model or guide) but found ${describeToken(firstRedundant)}`;
  },
  buildNoViableAltMessage({ actual, ruleName }) {
    const found = describeToken(actual[0]);
    switch (ruleName) {
      case 'statement':
        return `expected a statement (name ~ distribution, name = expression, plate, factor) but found ${found}`;
      case 'binding':
        return `expected '~' or '=' after the name but found ${found}`;
      case 'declaration':
        return `expected a declaration (data, param, net, const, model or guide) but found ${found}`;
      case 'indexItem':
        return `expected an index or a slice (i, a:b, :) but found ${found}`;
      default:
        return `expected an expression but found ${found}${context(ruleName) ? ` ${context(ruleName)}` : ''}`;
    }
  },
  buildEarlyExitMessage({ actual, ruleName }) {
    return `expected more ${context(ruleName) || 'input'} but found ${describeToken(actual[0])}`;
  },
};

/**
 * The grammar (one shared instance; chevrotain parsers are reusable by resetting `input`).
 *
 *   program     := declaration*
 *   declaration := dataDecl | paramDecl | netDecl | constDecl | modelBlock | guideBlock
 *   dataDecl    := 'data' NAME ':' NAME shape?
 *   paramDecl   := 'param' NAME ':' typeSpec ('=' expr)?
 *   typeSpec    := NAME ('(' args? ')')? shape?
 *   netDecl     := 'net' NAME '=' NAME '(' args? ')'
 *   constDecl   := 'const' NAME '=' expr
 *   modelBlock  := 'model' block          guideBlock := 'guide' block
 *   block       := '{' statement* '}'
 *   statement   := (binding | plateStatement | factorStatement) ';'?
 *   binding     := NAME ('~' distribution | '=' expr)
 *   distribution:= NAME '(' args? ')' shape?
 *   plateStatement := 'plate' NAME '(' args ')' block
 *   factorStatement := 'factor' '(' expr ')'
 *   args        := argument (',' argument)*       argument := (NAME '=')? expr
 *   shape       := '[' expr (',' expr)* ']'
 *   expr        := term (('+' | '-') term)*        term := unary (('*' | '/') unary)*
 *   unary       := '-' unary | power              power := postfix ('^' unary)?
 *   postfix     := primary indexSuffix*
 *   primary     := NUMBER | NAME ('(' args? ')')? | '(' expr ')' | '[' (expr (',' expr)*)? ']'
 *   indexSuffix := '[' indexItem (',' indexItem)* ']'
 *   indexItem   := ':' expr? | expr (':' expr?)?
 */
export class PplParser extends CstParser {
  constructor() {
    super(allTokens, { recoveryEnabled: true, maxLookahead: 3, nodeLocationTracking: 'full', errorMessageProvider });
    this.performSelfAnalysis();
  }

  readonly program = this.RULE('program', () => {
    this.MANY(() => this.SUBRULE(this.declaration));
  });

  readonly declaration = this.RULE('declaration', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.dataDecl) },
      { ALT: () => this.SUBRULE(this.paramDecl) },
      { ALT: () => this.SUBRULE(this.netDecl) },
      { ALT: () => this.SUBRULE(this.constDecl) },
      { ALT: () => this.SUBRULE(this.modelBlock) },
      { ALT: () => this.SUBRULE(this.guideBlock) },
    ]);
  });

  readonly dataDecl = this.RULE('dataDecl', () => {
    this.CONSUME(Data);
    this.CONSUME(Identifier);
    this.CONSUME(Colon);
    this.CONSUME2(Identifier);
    this.OPTION(() => this.SUBRULE(this.shape));
  });

  readonly paramDecl = this.RULE('paramDecl', () => {
    this.CONSUME(Param);
    this.CONSUME(Identifier);
    this.CONSUME(Colon);
    this.SUBRULE(this.typeSpec);
    this.OPTION(() => {
      this.CONSUME(Equals);
      this.SUBRULE(this.expression);
    });
  });

  readonly typeSpec = this.RULE('typeSpec', () => {
    this.CONSUME(Identifier);
    this.OPTION(() => {
      this.CONSUME(LParen);
      this.OPTION2(() => this.SUBRULE(this.argumentList));
      this.CONSUME(RParen);
    });
    this.OPTION3(() => this.SUBRULE(this.shape));
  });

  readonly netDecl = this.RULE('netDecl', () => {
    this.CONSUME(Net);
    this.CONSUME(Identifier);
    this.CONSUME(Equals);
    this.CONSUME2(Identifier);
    this.CONSUME(LParen);
    this.OPTION(() => this.SUBRULE(this.argumentList));
    this.CONSUME(RParen);
  });

  readonly constDecl = this.RULE('constDecl', () => {
    this.CONSUME(Const);
    this.CONSUME(Identifier);
    this.CONSUME(Equals);
    this.SUBRULE(this.expression);
  });

  readonly modelBlock = this.RULE('modelBlock', () => {
    this.CONSUME(Model);
    this.SUBRULE(this.block);
  });

  readonly guideBlock = this.RULE('guideBlock', () => {
    this.CONSUME(Guide);
    this.SUBRULE(this.block);
  });

  readonly block = this.RULE('block', () => {
    this.CONSUME(LCurly);
    this.MANY(() => this.SUBRULE(this.statement));
    this.CONSUME(RCurly);
  });

  readonly statement = this.RULE('statement', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.binding) },
      { ALT: () => this.SUBRULE(this.plateStatement) },
      { ALT: () => this.SUBRULE(this.factorStatement) },
    ]);
    this.OPTION(() => this.CONSUME(Semicolon));
  });

  readonly binding = this.RULE('binding', () => {
    this.CONSUME(Identifier);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(Tilde);
          this.SUBRULE(this.distribution);
          this.OPTION(() => this.CONSUME(Enumerate));
        },
      },
      {
        ALT: () => {
          this.CONSUME(Equals);
          this.SUBRULE(this.expression);
        },
      },
    ]);
  });

  readonly distribution = this.RULE('distribution', () => {
    this.CONSUME(Identifier);
    this.CONSUME(LParen);
    this.OPTION(() => this.SUBRULE(this.argumentList));
    this.CONSUME(RParen);
    this.OPTION2(() => this.SUBRULE(this.shape));
  });

  readonly plateStatement = this.RULE('plateStatement', () => {
    this.CONSUME(Plate);
    this.CONSUME(Identifier);
    this.CONSUME(LParen);
    this.SUBRULE(this.argumentList);
    this.CONSUME(RParen);
    this.SUBRULE(this.block);
  });

  readonly factorStatement = this.RULE('factorStatement', () => {
    this.CONSUME(Factor);
    this.CONSUME(LParen);
    this.SUBRULE(this.expression);
    this.CONSUME(RParen);
  });

  readonly argumentList = this.RULE('argumentList', () => {
    this.SUBRULE(this.argument);
    this.MANY(() => {
      this.CONSUME(Comma);
      this.SUBRULE2(this.argument);
    });
  });

  readonly argument = this.RULE('argument', () => {
    this.OPTION({
      GATE: () => this.LA(2).tokenType === Equals,
      DEF: () => {
        this.CONSUME(Identifier);
        this.CONSUME(Equals);
      },
    });
    this.SUBRULE(this.expression);
  });

  readonly shape = this.RULE('shape', () => {
    this.CONSUME(LSquare);
    this.SUBRULE(this.expression);
    this.MANY(() => {
      this.CONSUME(Comma);
      this.SUBRULE2(this.expression);
    });
    this.CONSUME(RSquare);
  });

  readonly expression = this.RULE('expression', () => {
    this.SUBRULE(this.term);
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(Plus) }, { ALT: () => this.CONSUME(Minus) }]);
      this.SUBRULE2(this.term);
    });
  });

  readonly term = this.RULE('term', () => {
    this.SUBRULE(this.unary);
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(Star) }, { ALT: () => this.CONSUME(Slash) }]);
      this.SUBRULE2(this.unary);
    });
  });

  readonly unary = this.RULE('unary', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(Minus);
          this.SUBRULE(this.unary);
        },
      },
      { ALT: () => this.SUBRULE(this.power) },
    ]);
  });

  readonly power = this.RULE('power', () => {
    this.SUBRULE(this.postfix);
    this.OPTION(() => {
      this.CONSUME(Power);
      this.SUBRULE(this.unary);
    });
  });

  readonly postfix = this.RULE('postfix', () => {
    this.SUBRULE(this.primary);
    this.MANY(() => this.SUBRULE(this.indexSuffix));
  });

  readonly primary = this.RULE('primary', () => {
    this.OR([
      { ALT: () => this.CONSUME(NumberLiteral) },
      { ALT: () => this.SUBRULE(this.callOrName) },
      { ALT: () => this.SUBRULE(this.parenthesised) },
      { ALT: () => this.SUBRULE(this.arrayLiteral) },
    ]);
  });

  readonly callOrName = this.RULE('callOrName', () => {
    this.CONSUME(Identifier);
    this.OPTION(() => {
      this.CONSUME(LParen);
      this.OPTION2(() => this.SUBRULE(this.argumentList));
      this.CONSUME(RParen);
    });
  });

  readonly parenthesised = this.RULE('parenthesised', () => {
    this.CONSUME(LParen);
    this.SUBRULE(this.expression);
    this.CONSUME(RParen);
  });

  readonly arrayLiteral = this.RULE('arrayLiteral', () => {
    this.CONSUME(LSquare);
    this.OPTION(() => {
      this.SUBRULE(this.expression);
      this.MANY(() => {
        this.CONSUME(Comma);
        this.SUBRULE2(this.expression);
      });
    });
    this.CONSUME(RSquare);
  });

  readonly indexSuffix = this.RULE('indexSuffix', () => {
    this.CONSUME(LSquare);
    this.SUBRULE(this.indexItem);
    this.MANY(() => {
      this.CONSUME(Comma);
      this.SUBRULE2(this.indexItem);
    });
    this.CONSUME(RSquare);
  });

  readonly indexItem = this.RULE('indexItem', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(Colon);
          this.OPTION(() => this.SUBRULE(this.expression));
        },
      },
      {
        ALT: () => {
          this.SUBRULE2(this.expression);
          this.OPTION2(() => {
            this.CONSUME2(Colon);
            this.OPTION3(() => this.SUBRULE3(this.expression));
          });
        },
      },
    ]);
  });
}

let instance: PplParser | undefined;

/** The shared parser (building one runs chevrotain's grammar analysis, so it is done once). */
export function pplParser(): PplParser {
  instance ??= new PplParser();
  return instance;
}
