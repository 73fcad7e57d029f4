/**
 * The deployment guide the Connectors page shows for one connector: what to create in the customer's AWS
 * account so that Rotor may invoke the function and the function may reach the database — and nothing more.
 * Pure text generation.
 */
import { parseFunctionArn, type ConnectorMode } from "./validation";
import connectorRuntime from "../../connector/runtime.json";

export interface GuideInput {
  name: string;
  functionArn: string;
  region: string;
  mode: ConnectorMode;
  /** The role Rotor's login assumes (OIDC logins), to name it in the instructions. */
  invokingRoleArn?: string;
}

export interface DeploymentGuide {
  functionName: string;
  /** Identity policy for the role/user of the connector's login. */
  invokePolicy: string;
  /** Trust policy and managed policy of the Lambda's execution role. */
  executionRoleTrust: string;
  executionRoleManagedPolicy: string;
  securityGroupRules: string[];
  environment: { name: string; value: string; note: string }[];
  /** A CloudFormation template for Rotor's handler (mode "rotor"); null for ESC connectors. */
  cloudFormation: string | null;
  buildCommand: string;
  /** The Lambda runtime the bundle is built for (connector/runtime.json). */
  runtime: string;
}

export function deploymentGuide(input: GuideInput): DeploymentGuide {
  const arn = parseFunctionArn(input.functionArn);
  const functionName = arn?.name ?? input.functionArn;
  const resource = arn
    ? `arn:aws:lambda:${arn.region}:${arn.accountId}:function:${arn.name}`
    : `arn:aws:lambda:${input.region}:<account-id>:function:${functionName}`;
  const invokePolicy = {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "RotorInvokesConnector",
        Effect: "Allow",
        Action: "lambda:InvokeFunction",
        // The function and its versions/aliases, nothing else.
        Resource: [resource, `${resource}:*`],
      },
    ],
  };
  const executionRoleTrust = {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
  };
  const securityGroupRules = [
    "Connector security group (attached to the Lambda): no inbound rules. Outbound: TCP to the database port (5432 PostgreSQL, 3306 MySQL) with the database's security group as destination, and nothing else.",
    "Database security group: inbound TCP on the database port from the connector security group.",
    "Subnets: private subnets that route to the database. The function needs no internet access and no NAT: Rotor invokes it through the Lambda API, and it calls no AWS API itself.",
  ];
  const environment =
    input.mode === "rotor"
      ? [
          { name: "ROTOR_CONNECTOR_SECRET", value: "<the secret shown once when the connector was created>", note: "Comma-separate two secrets while changing it." },
          { name: "ROTOR_CONNECTOR_REPLAY_WINDOW_SECONDS", value: "300", note: "Optional. Requests older or newer than this are refused." },
          { name: "ROTOR_CONNECTOR_ALLOW_PLAINTEXT", value: "false", note: "Optional. true allows TLS mode \"disable\" — trusted networks only." },
        ]
      : [];
  return {
    functionName,
    invokePolicy: JSON.stringify(invokePolicy, null, 2),
    executionRoleTrust: JSON.stringify(executionRoleTrust, null, 2),
    executionRoleManagedPolicy: "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
    securityGroupRules,
    environment,
    cloudFormation: input.mode === "rotor" ? cloudFormationTemplate(functionName) : null,
    buildCommand: `npm run build:connector   # writes dist/connector.zip (${connectorRuntime.lambdaRuntime}, handler index.handler)`,
    runtime: connectorRuntime.lambdaRuntime,
  };
}

function cloudFormationTemplate(functionName: string): string {
  return `AWSTemplateFormatVersion: "2010-09-09"
Description: Rotor aws-lambda connector (${functionName}) - runs password changes inside the VPC.
Parameters:
  FunctionName:
    Type: String
    Default: ${functionName}
  CodeS3Bucket:
    Type: String
    Description: Bucket holding dist/connector.zip (npm run build:connector).
  CodeS3Key:
    Type: String
    Default: rotor/connector.zip
  VpcId:
    Type: AWS::EC2::VPC::Id
  SubnetIds:
    Type: List<AWS::EC2::Subnet::Id>
    Description: Private subnets that route to the database.
  DatabaseSecurityGroupId:
    Type: AWS::EC2::SecurityGroup::Id
  DatabasePort:
    Type: Number
    Default: 5432
  ConnectorSecret:
    Type: String
    NoEcho: true
    Description: The connector secret Rotor showed once.
  AllowPlaintext:
    Type: String
    AllowedValues: ["false", "true"]
    Default: "false"
Resources:
  ExecutionRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: { Service: lambda.amazonaws.com }
            Action: sts:AssumeRole
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole
  ConnectorSecurityGroup:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: Rotor connector - outbound to the database only
      VpcId: !Ref VpcId
      SecurityGroupEgress:
        - IpProtocol: tcp
          FromPort: !Ref DatabasePort
          ToPort: !Ref DatabasePort
          DestinationSecurityGroupId: !Ref DatabaseSecurityGroupId
  DatabaseIngressFromConnector:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: !Ref DatabaseSecurityGroupId
      IpProtocol: tcp
      FromPort: !Ref DatabasePort
      ToPort: !Ref DatabasePort
      SourceSecurityGroupId: !GetAtt ConnectorSecurityGroup.GroupId
  LogGroup:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Sub /aws/lambda/\${FunctionName}
      RetentionInDays: 90
  Function:
    Type: AWS::Lambda::Function
    DependsOn: LogGroup
    Properties:
      FunctionName: !Ref FunctionName
      Runtime: ${connectorRuntime.lambdaRuntime}
      Handler: index.handler
      Architectures: [arm64]
      MemorySize: 256
      Timeout: 60
      Role: !GetAtt ExecutionRole.Arn
      Code:
        S3Bucket: !Ref CodeS3Bucket
        S3Key: !Ref CodeS3Key
      VpcConfig:
        SubnetIds: !Ref SubnetIds
        SecurityGroupIds: [!GetAtt ConnectorSecurityGroup.GroupId]
      Environment:
        Variables:
          ROTOR_CONNECTOR_SECRET: !Ref ConnectorSecret
          ROTOR_CONNECTOR_ALLOW_PLAINTEXT: !Ref AllowPlaintext
Outputs:
  FunctionArn:
    Value: !GetAtt Function.Arn
`;
}
